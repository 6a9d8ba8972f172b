"""Unknot's Telegram channel: Rasa's built-in one, hardened.

Why not rasa.core.channels.telegram as it is: it does not check Telegram's
webhook secret (anyone who learns the URL can post updates for any chat), it
calls getMe on every update, never answers callback queries, drops photos, voice
notes and stickers silently, and sends plain text only.

How one update goes:
  POST /webhooks/telegram/webhook
    -> secret header compared in constant time; wrong or missing: 403, nothing stored
    -> update_id recorded (bot.storage.telegram_updates.SqlUpdateLog); seen before: 200, ignored
    -> classified (text, button, media, group) and queued for its chat; 200 at once
  per chat, in order (a background task; Telegram wants a fast 200):
    -> a button press is answered with answerCallbackQuery first
    -> text goes to Rasa; every reply Rasa emits is queued for sending as soon as
       it is emitted (crisis lines do not wait for the action server)
  per chat, in order, paced (about one message a second; a 429 waits retry_after and retries):
    -> sendMessage in HTML parse mode, long replies split, buttons as inline keyboards

Configured in credentials.yml from the environment (see .env.example). With no
token the channel is off: the webhook answers 404 and nothing calls Telegram.

The modules:
  api      the Bot API client (aiohttp) and its errors
  lanes    per-chat ordered queues
  sender   the output channel and the paced send queue (TelegramBot)
  input    the Rasa input channel (credentials.yml: bot.channels.telegram.input.TelegramInput)
  updates  what an update is (text, button, media, group); its update_id log is bot/storage/telegram_updates.py
  format   Markdown to Telegram HTML, splitting, inline keyboards
  status   the line `make run` prints about the webhook
"""
