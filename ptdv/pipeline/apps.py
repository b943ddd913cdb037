from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "ptdv.pipeline"
    label = "pipeline"
    verbose_name = "Phát triển đảng viên"

    def ready(self) -> None:
        from django.utils.translation import gettext
        from treebeard.mp_tree import path_updated

        from ptdv.org.models import Organisation
        from ptdv.rules.i18n import install_translator

        from .tallies import tree_moved

        # A unit moved in the tree (the admin's drag and drop or its form) changes the
        # ancestors every summary is rolled up to.
        path_updated.connect(tree_moved, sender=Organisation, dispatch_uid="ptdv.pipeline.tallies")
        # The rules' own text (a citation's unverified sub-item) in the current language, in every
        # process that evaluates them (pages, API, worker, commands).
        install_translator(gettext)
