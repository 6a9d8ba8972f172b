"""Unknot's web app: the demo clinic page with the chat widget, and the staff
review app. One ASGI app (Starlette), served by uvicorn; see bot/web/app.py."""
