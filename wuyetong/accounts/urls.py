from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("password/reset/sms/", views.password_reset_sms_view, name="password_reset_sms"),
    path("password/reset/email/", views.password_reset_email_view, name="password_reset_email"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
]
