from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "ptdv.pipeline"
    label = "pipeline"
    verbose_name = "Phát triển đảng viên"
