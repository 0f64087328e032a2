from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginApi.as_view(), name="api-accounts-login"),
    path("login/sms/", views.SmsLoginApi.as_view(), name="api-accounts-login-sms"),
    path("logout/", views.LogoutApi.as_view(), name="api-accounts-logout"),
    path("sms-code/", views.SmsCodeApi.as_view(), name="api-accounts-sms-code"),
    path("register/", views.RegisterApi.as_view(), name="api-accounts-register"),
    path(
        "register/options/",
        views.RegisterOptionsApi.as_view(),
        name="api-accounts-register-options",
    ),
    path(
        "password/change/", views.PasswordChangeApi.as_view(), name="api-accounts-password-change"
    ),
    path("password/reset/", views.PasswordResetApi.as_view(), name="api-accounts-password-reset"),
    path("me/", views.MeApi.as_view(), name="api-accounts-me"),
]
