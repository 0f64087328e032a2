from django.urls import path

from . import views

app_name = "owner"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/sms/", views.login_sms, name="login_sms"),
    path("register/", views.register, name="register"),
    path("register/check/", views.register_check, name="register_check"),
    path("sms/", views.sms_send, name="sms_send"),
    path("picker/", views.picker, name="picker"),
    path("agreement/", views.agreement, name="agreement"),
    path("houses/", views.houses, name="houses"),
    path("houses/add/", views.house_add, name="house_add"),
    path("bindings/<int:pk>/cancel/", views.binding_cancel, name="binding_cancel"),
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
]
