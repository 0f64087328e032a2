"""The owner's phone app (/app/): start and login, registration, houses and bindings, "me".

Pages are server-rendered and small; a little JavaScript (static/owner/app.js) runs the
registration steps, the house cascade and the SMS countdown, and every form still posts
without it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from wuyetong.accounts import services as account_services
from wuyetong.accounts.choices import SmsPurpose
from wuyetong.accounts.views import (
    change_password,
    reset_password_by_sms,
    sign_in,
    start_session,
)
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import lookup_pk, parse_pk
from wuyetong.core.views import form_error_from
from wuyetong.estates import selectors as estate_selectors
from wuyetong.estates.choices import BindingStatus
from wuyetong.estates.models import BindingRequest
from wuyetong.estates.services import bindings as binding_services
from wuyetong.notices.choices import FeedTopic
from wuyetong.notices.feed import selectors as feed_selectors

from . import selectors, shortcuts
from .forms import (
    BindingForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegisterForm,
    SmsLoginForm,
)
from .shortcuts import first_url, home_shortcuts


def owner_login_required(view):
    """Anonymous visitors go to the app's own start screen, not the console login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('owner:login')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/app/") and not target.startswith("//") else fallback


@never_cache
def home(request):
    if not request.user.is_authenticated:
        return render(request, "owner/start.html", {"form": LoginForm()})
    recent = list(
        estate_selectors.owner_binding_requests(request.user).order_by("-created_at")[:20]
    )
    open_states = (BindingStatus.PENDING, BindingStatus.REJECTED)
    summary = selectors.home_summary(request.user)
    for case in summary.open_cases:
        case.owner_url = first_url(shortcuts.CASE, case.pk)
    # The tab bar's badges are the same counts: read them once.
    request._owner_badges = {
        "notices": summary.unread_notices,
        "messages": summary.unread_messages,
    }
    return render(
        request,
        "owner/home.html",
        {
            "occupancies": list(estate_selectors.owner_occupancies(request.user)),
            "open_bindings": [b for b in recent if b.status in open_states][:5],
            "has_pending": any(b.status == BindingStatus.PENDING for b in recent),
            "summary": summary,
            "shortcuts": home_shortcuts(),
            "bills_url": first_url(shortcuts.BILLS),
            "cases_url": first_url(shortcuts.CASES),
            "tab": "home",
        },
    )


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_safe_next(request, reverse("owner:home")))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sign_in(
                request,
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                remember=form.cleaned_data["remember"],
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            return redirect(_safe_next(request, reverse("owner:home")))
    return render(request, "owner/start.html", {"form": form, "next": request.GET.get("next", "")})


@never_cache
def login_sms(request):
    """验证码登录: phone and a code instead of the password."""
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_safe_next(request, reverse("owner:home")))
    form = SmsLoginForm(request.POST or None)
    if request.method == "POST" and "send_sms" in request.POST:
        _send_code_for_form(request, form, SmsPurpose.LOGIN)
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = account_services.login_by_sms(phone=d["phone"], sms_code=d["sms_code"])
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            start_session(request, user, remember=d["remember"])
            return redirect(_safe_next(request, reverse("owner:home")))
    return render(
        request,
        "owner/login_sms.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "resend_seconds": settings.SMS_CODE_RESEND_SECONDS,
        },
    )


@never_cache
@sensitive_post_parameters()
def register(request):
    if request.user.is_authenticated:
        return redirect("owner:home")
    form = RegisterForm(request.POST or None)
    start_step = None
    if request.method == "POST" and "send_sms" in request.POST:
        # Without JavaScript the "get code" button posts the whole form.
        start_step = 3
        _send_code_for_form(request, form, SmsPurpose.REGISTER, phone_error_on="sms_code")
    elif request.method == "POST" and form.is_valid():
        try:
            user, _binding = binding_services.owner_register(
                **form.service_kwargs(), sms_code=form.cleaned_data["sms_code"]
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            start_session(request, user)
            messages.success(
                request, _("注册成功！房屋认证已提交，物业审核通过后即可使用全部服务。")
            )
            return redirect("owner:home")
    return render(
        request,
        "owner/register.html",
        {
            "form": form,
            "picker": form.picker_choices(),
            "start_step": start_step or (form.first_error_step() if form.errors else 1),
            "resend_seconds": settings.SMS_CODE_RESEND_SECONDS,
        },
    )


def _send_code_for_form(request, form, purpose: str, phone_error_on: str = "phone") -> None:
    form.is_valid()  # so that the page can be shown again with what was typed
    try:
        account_services.sms_code_send(
            phone=(request.POST.get("phone") or "").strip(), purpose=purpose
        )
    except ApplicationError as exc:
        form.add_error(phone_error_on if exc.field == "phone" else None, exc.message)
    else:
        messages.success(request, _("验证码已发送，5分钟内有效"))


def _json_errors(exc: ApplicationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "message": exc.message, "errors": exc.errors}, status=status)


@require_POST
@sensitive_post_parameters()
def register_check(request):
    """Step two of the wizard: check every field before the SMS is sent (writes nothing)."""
    form = RegisterForm(request.POST)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return JsonResponse(
            {"ok": False, "message": next(iter(errors.values()))[0], "errors": errors}, status=400
        )
    try:
        binding_services.registration_check(**form.service_kwargs())
    except ApplicationError as exc:
        return _json_errors(exc)
    return JsonResponse({"ok": True})


@require_POST
def sms_send(request):
    purpose = request.POST.get("purpose", SmsPurpose.REGISTER)
    if purpose not in SmsPurpose.values:
        return JsonResponse(
            {"ok": False, "message": _("验证码用途不正确"), "errors": {}}, status=400
        )
    try:
        account_services.sms_code_send(
            phone=(request.POST.get("phone") or "").strip(), purpose=purpose
        )
    except ApplicationError as exc:
        limited = exc.code in ("too_soon", "daily_limit", "ip_limit")
        return _json_errors(exc, status=429 if limited else 400)
    return JsonResponse({"ok": True, "resend_after": settings.SMS_CODE_RESEND_SECONDS})


@require_GET
@cache_control(max_age=60)
def picker(request):
    """The next level of the house cascade: ?community=, ?building= or ?unit=."""
    options = selectors.picker_options(
        community_id=_int(request.GET.get("community")),
        building_id=_int(request.GET.get("building")),
        unit_id=_int(request.GET.get("unit")),
    )
    return JsonResponse({"options": options})


def _int(value):
    return parse_pk(value)


@never_cache
@owner_login_required
def houses(request):
    return render(
        request,
        "owner/houses.html",
        {
            "occupancies": list(estate_selectors.owner_occupancies(request.user)),
            "bindings": list(
                estate_selectors.owner_binding_requests(request.user).order_by("-created_at")[:50]
            ),
            "past": list(selectors.owner_past_occupancies(request.user)),
            "tab": "houses",
        },
    )


@never_cache
@owner_login_required
def house_add(request):
    """Add a house, or with ?replaces=<occupancy> move an existing binding (改绑)."""
    user = request.user
    replaces_id = request.POST.get("replaces") or request.GET.get("replaces")
    replaces = None
    if replaces_id:
        replaces = estate_selectors.owner_occupancies(user).filter(pk=_int(replaces_id)).first()
        if replaces is None:
            raise Http404
    initial = {
        "applicant_name": user.name,
        "applicant_id_card": user.id_card,
        "replaces": replaces.pk if replaces else None,
    }
    if replaces:
        initial.update(community=replaces.house.community_id, relation=replaces.relation)
    elif request.GET.get("house"):
        # "Submit again" after a rejection starts from the same house.
        initial["house"] = _int(request.GET["house"])
    form = BindingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            binding_services.binding_request_create(
                user=user,
                house_id=d["house"],
                relation=d["relation"],
                applicant_name=d["applicant_name"],
                applicant_id_card=d["applicant_id_card"],
                replaces_id=replaces.pk if replaces else None,
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("申请已提交，请等待物业审核"))
            return redirect("owner:houses")
    return render(
        request,
        "owner/house_add.html",
        {
            "form": form,
            "picker": form.picker_choices(),
            "replaces": replaces,
            "tab": "houses",
        },
    )


@require_POST
@owner_login_required
def binding_cancel(request, pk: int):
    binding = BindingRequest.objects.filter(pk=lookup_pk(pk), user=request.user).first()
    if binding is None:
        raise Http404
    try:
        binding_services.binding_cancel(user=request.user, binding=binding)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申请已撤回"))
    return redirect("owner:houses")


@never_cache
@owner_login_required
def me(request):
    subscribed = feed_selectors.subscribed_topics(request.user)
    return render(
        request,
        "owner/me.html",
        {
            "occupancies": list(estate_selectors.owner_occupancies(request.user)),
            "topics": [label for value, label in FeedTopic.choices if value in subscribed],
            "tab": "me",
        },
    )


@never_cache
@owner_login_required
def profile_edit(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"name": user.name, "email": user.email, "gender": user.gender},
    )
    if user.real_name_verified:
        form.fields["name"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account_services.profile_update(
                user=user,
                email=d["email"],
                gender=d["gender"] or "",
                name=None if user.real_name_verified else d["name"],
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("个人资料已保存"))
            return redirect("owner:me")
    return render(request, "owner/profile_edit.html", {"form": form, "tab": "me"})


@never_cache
@owner_login_required
@sensitive_post_parameters()
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if change_password(request, form):
        return redirect("owner:me")
    return render(request, "owner/password_change.html", {"form": form, "tab": "me"})


@never_cache
@sensitive_post_parameters()
def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and "send_sms" in request.POST:
        _send_code_for_form(request, form, SmsPurpose.RESET_PASSWORD)
    elif request.method == "POST" and form.is_valid():
        try:
            reset_password_by_sms(request, form.cleaned_data)
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            return redirect("owner:login")
    return render(
        request,
        "owner/password_reset.html",
        {
            "form": form,
            "resend_seconds": settings.SMS_CODE_RESEND_SECONDS,
        },
    )


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    icon = static("owner/icon-192.png")
    return JsonResponse(
        {
            "name": _("物业通 · 业主端"),
            "short_name": _("物业通"),
            "description": _("缴费、报修、通知、房屋认证，一个应用搞定"),
            "lang": "zh-CN",
            "start_url": reverse("owner:home"),
            "scope": reverse("owner:home"),
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#f3f6f9",
            "theme_color": "#12805c",
            "icons": [
                {"src": icon, "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
                {
                    "src": static("owner/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """Served from /app/ so that its scope is the whole app."""
    path = finders.find("owner/sw.js")
    if not path:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="application/javascript")  # noqa: SIM115
    response["Service-Worker-Allowed"] = reverse("owner:home")
    return response


@require_GET
def offline(request):
    return render(request, "owner/offline.html")


@require_GET
def agreement(request):
    return render(request, "owner/agreement.html")
