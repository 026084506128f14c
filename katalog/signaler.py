"""Signals of the catalogue for higher apps (which katalog never imports): `utbud_andrat` is sent after a catalogue
import created or changed offerings in bulk (`utbud`: the Vardutbud objects), which bypasses post_save."""

from django.dispatch import Signal

utbud_andrat = Signal()
