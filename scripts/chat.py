"""Chat with the running assistant in the terminal, over its REST channel.

Usage: python scripts/chat.py [--url http://localhost:5005] [--sender NAME]
Type a message, or the number of a button to press it; Ctrl-D or /quit ends.
"""

from __future__ import annotations

import argparse
import os
import uuid

import requests


def main() -> None:
    parser = argparse.ArgumentParser(description="Terminal chat with the assistant")
    parser.add_argument("--url", default=f"http://localhost:{os.environ.get('RASA_PORT', '5005')}")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args()
    webhook = f"{args.url}/webhooks/rest/webhook"
    buttons: list = []
    print(f"Talking to {webhook} as {args.sender}. Ctrl-D to quit.")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text == "/quit":
            return
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        reply = requests.post(webhook, json={"sender": args.sender, "message": text}, timeout=60)
        if reply.status_code != 200:
            print(f"[HTTP {reply.status_code}] {reply.text}")
            continue
        buttons = []
        for message in reply.json():
            print(f"bot> {message.get('text', '')}")
            for button in message.get("buttons") or []:
                buttons.append(button)
                print(f"     {len(buttons)}. {button['title']}")


if __name__ == "__main__":
    main()
