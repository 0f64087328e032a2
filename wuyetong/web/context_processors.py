from wuyetong.core.access import get_access

from .navigation import build_menu


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/app/"):
        return {}
    access = get_access(user)
    return {"access": access, "menu": build_menu(access, request.path)}
