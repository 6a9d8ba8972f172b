"""Rasa custom actions for Unknot. Thin adapters: the logic lives in `bot/`."""
