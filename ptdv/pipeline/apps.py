from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "ptdv.pipeline"
    label = "pipeline"
    verbose_name = "Phát triển đảng viên"

    def ready(self) -> None:
        from treebeard.mp_tree import path_updated

        from ptdv.org.models import Organisation

        from .tallies import tree_moved

        # A unit moved in the tree (the admin's drag and drop or its form) changes the
        # ancestors every summary is rolled up to.
        path_updated.connect(tree_moved, sender=Organisation, dispatch_uid="ptdv.pipeline.tallies")
