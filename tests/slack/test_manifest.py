"""manifest.yml matches what the code does: the events it listens to are the ones the
registered listeners handle, and its scopes are the ones those events and the Web API
methods the code calls need (per Slack's method and event reference)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.slack import ids
from bot.slack.listeners import register_listeners

from ..conftest import ROOT

# Scopes each event needs (Slack's event reference); None: delivered without a scope.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "app_mention": ("app_mentions:read",),
    "app_uninstalled": (),
    "tokens_revoked": (),
    "channel_left": ("channels:read",),
    "channel_shared": ("channels:read", "groups:read"),
    "channel_unshared": ("channels:read", "groups:read"),
    "group_left": ("groups:read",),
    "member_joined_channel": ("channels:read", "groups:read"),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "reaction_added": ("reactions:read",),
}
# Scopes each Web API method the code calls needs (public and private channels alike).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat_postMessage": ("chat:write",),
    "chat_postEphemeral": ("chat:write",),
    "chat_getPermalink": (),
    "conversations_history": ("channels:history", "groups:history"),
    "conversations_replies": ("channels:history", "groups:history"),
    "conversations_info": ("channels:read", "groups:read"),
    "files_upload": ("files:write",),
    "files_upload_v2": ("files:write",),
    "users_info": ("users:read",),
    "reactions_add": ("reactions:write",),
    "reactions_remove": ("reactions:write",),
    "team_info": ("team:read",),
    "views_publish": (),
}


class Recorder:
    """Stands in for a Bolt App: records what each listener group registers."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.commands: list[str] = []
        self.actions: list[Any] = []
        self.message_shortcuts: list[Any] = []
        self.shortcuts: list[Any] = []

    def _keep(self, into: list[Any], key: Any) -> Callable[..., None]:
        into.append(key)
        return lambda *args, **kwargs: None

    def event(self, key: Any) -> Callable[..., None]:
        return self._keep(self.events, key)

    def command(self, key: str) -> Callable[..., None]:
        return self._keep(self.commands, key)

    def action(self, key: Any) -> Callable[..., None]:
        return self._keep(self.actions, key)

    def message_shortcut(self, key: Any) -> Callable[..., None]:
        return self._keep(self.message_shortcuts, key)

    def shortcut(self, key: Any) -> Callable[..., None]:
        return self._keep(self.shortcuts, key)


def _manifest_list(text: str, heading: str) -> set[str]:
    found = re.search(rf"\n( +){heading}:\n((?:\1  - .+\n)+)", text)
    assert found, f"manifest.yml has no {heading} list"
    return {line.split("- ")[1].strip() for line in found.group(2).splitlines()}


def _subscriptions(recorder: Recorder) -> set[str]:
    """Manifest event names for the registered listeners (a catch-all adds none)."""
    names: set[str] = set()
    for key in recorder.events:
        if isinstance(key, dict):
            key = key["type"]
        if isinstance(key, re.Pattern):
            names |= {name for name in EVENT_SCOPES if "." not in name and key.fullmatch(name)} \
                if key.pattern != ".*" else set()
        elif key == "message":
            names |= {"message.channels", "message.groups"}
        else:
            names.add(key)
    return names


def _methods_called() -> set[str]:
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "slack").rglob("*.py"))
    families = r"(?:chat|conversations|files|team(?!_id\b)|users|views|reactions)"
    return set(re.findall(rf"\bclient\.({families}_\w+)", source)) | \
        set(re.findall(rf"\"({families}_\w+)\"", source))


def test_manifest_events_are_the_ones_listeners_handle():
    recorder = Recorder()
    register_listeners(recorder)  # type: ignore[arg-type]
    text = (ROOT / "manifest.yml").read_text()
    assert _manifest_list(text, "bot_events") == _subscriptions(recorder)
    assert recorder.commands == [ids.COMMAND] and f"- command: {ids.COMMAND}\n" in text


def test_manifest_scopes_are_the_ones_events_and_calls_need():
    recorder = Recorder()
    register_listeners(recorder)  # type: ignore[arg-type]
    methods = _methods_called()
    assert methods <= set(METHOD_SCOPES), f"add the scopes of {sorted(methods - set(METHOD_SCOPES))}"
    needed = {"commands"} if recorder.commands else set()
    for event in _subscriptions(recorder):
        needed |= set(EVENT_SCOPES[event])
    for method in methods:
        needed |= set(METHOD_SCOPES[method])
    text = (ROOT / "manifest.yml").read_text()
    assert _manifest_list(text, "bot") == needed
    assert set(ids.BOT_SCOPES) == needed


def test_manifest_declares_the_shortcuts_listeners_handle():
    recorder = Recorder()
    register_listeners(recorder)  # type: ignore[arg-type]
    text = (ROOT / "manifest.yml").read_text()
    declared = re.findall(r"type: (message|global)\n\s+callback_id: (\S+)", text)
    assert {callback for kind, callback in declared if kind == "message"} == \
        set(recorder.message_shortcuts) == {ids.ASK_THE_CUSTOMER}
    assert len(declared) == len(recorder.message_shortcuts)  # no global shortcut nobody handles


def test_manifest_turns_on_what_the_code_uses():
    text = (ROOT / "manifest.yml").read_text()
    assert "socket_mode_enabled: true" in text
    assert "home_tab_enabled: true" in text and "is_enabled: true" in text
