"""Stock-Synapse compatibility shim for synapse-invite-checker (loaded as the first module).

synapse-invite-checker targets Famedly's Synapse fork (not on PyPI), which adds a third-party
rules callback `on_upgrade_room(requester, room_version, is_requester_admin)` called at the
start of RoomCreationHandler.upgrade_room. Stock Synapse rejects the keyword at module
start-up (TypeError). This module accepts the keyword and calls the callbacks from a wrapper
around upgrade_room.
"""
import json
import logging
import sys
import synapse.app.homeserver
from twisted.web.resource import Resource
from synapse.handlers.room import RoomCreationHandler
from synapse.module_api import ModuleApi

logger = logging.getLogger(__name__)

if not getattr(ModuleApi, "_tim_compat_patched", False):
    _orig_register = ModuleApi.register_third_party_rules_callbacks
    _orig_upgrade = RoomCreationHandler.upgrade_room

    def register_third_party_rules_callbacks(self, *, on_upgrade_room=None, **kwargs):
        if on_upgrade_room is not None:
            self._hs.__dict__.setdefault("_tim_on_upgrade_room", []).append(on_upgrade_room)
        if kwargs:
            return _orig_register(self, **kwargs)

    async def upgrade_room(self, requester, old_room_id, new_version, *args, **kwargs):
        callbacks = self.hs.__dict__.get("_tim_on_upgrade_room", [])
        if callbacks:
            user_id = requester.user.to_string()
            notices = self.hs.config.servernotices.server_notices_mxid
            is_admin = (notices is not None and user_id == notices) or await self.auth.is_server_admin(requester)
            for cb in callbacks:
                await cb(requester, new_version, is_admin)   # raises SynapseError to deny
        return await _orig_upgrade(self, requester, old_room_id, new_version, *args, **kwargs)

    ModuleApi.register_third_party_rules_callbacks = register_third_party_rules_callbacks
    RoomCreationHandler.upgrade_room = upgrade_room
    ModuleApi._tim_compat_patched = True


class SupportWellKnown(Resource):
    """GET /.well-known/matrix/support (MSC1929), which stock Synapse does not serve but a
    TI-M Fachdienst must (the suite checks GET 200 with a body and DELETE 405)."""
    isLeaf = True

    def __init__(self, contact):
        super().__init__()
        self._body = json.dumps({"contacts": [{"role": "m.role.admin", "email_address": contact}],
                                 "support_page": "https://example.org/tim-support"}).encode()

    def render_GET(self, request):
        request.setHeader(b"Content-Type", b"application/json")
        return self._body

    def _not_allowed(self, request):
        request.setResponseCode(405)
        request.setHeader(b"Allow", b"GET, HEAD")
        return b""

    render_DELETE = render_PUT = render_POST = _not_allowed


_support_email = ["support@example.org"]

def _patch_well_known(mod):
    # /.well-known is Synapse's own resource; a module resource below it would clash, so the
    # support document is added to that resource when Synapse builds it (after module load).
    # Synapse runs as `python -m synapse.app.homeserver`, i.e. as __main__: patch that too.
    if mod is None or getattr(mod, "_tim_support_patched", False) or not hasattr(mod, "well_known_resource"):
        return
    original = mod.well_known_resource

    def well_known_with_support(hs):
        res = original(hs)
        res.children[b"matrix"].putChild(b"support", SupportWellKnown(_support_email[0]))
        return res

    mod.well_known_resource = well_known_with_support
    mod._tim_support_patched = True


for _mod in (synapse.app.homeserver, sys.modules.get("__main__")):
    _patch_well_known(_mod)


def _forbid_public_rooms():
    # TI-M ePA has no public rooms: the room directory answers 403 (the suite's 13X_5 checks
    # GET and POST /publicRooms without a token). Stock Synapse would say 401.
    from synapse.api.errors import Codes, SynapseError
    from synapse.rest.client.room import PublicRoomListRestServlet

    async def forbidden(self, request, *args, **kwargs):
        raise SynapseError(403, "TI-M ePA: there are no public rooms", Codes.FORBIDDEN)

    PublicRoomListRestServlet.on_GET = forbidden
    PublicRoomListRestServlet.on_POST = forbidden


class UpgradeRoomHookShim:
    def __init__(self, config, api):
        logger.info("tim_compat: on_upgrade_room shim and support well-known active")
        _support_email[0] = config.get("support_email", _support_email[0])
        if config.get("forbid_public_rooms"):
            _forbid_public_rooms()
            logger.info("tim_compat: public room directory answers 403 (ePA)")

    @staticmethod
    def parse_config(config):
        return config
