"""Signals of the agreements app for higher apps (which avtal never imports): `rader_skapade` is sent after an
agreement upload created lines in bulk (`rader`: the new Avtalsrad objects), which bypasses post_save."""

from django.dispatch import Signal

rader_skapade = Signal()
