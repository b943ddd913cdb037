"""ptdv — công tác phát triển đảng viên: from source to party card."""

__version__ = "0.1.0"
