from django.urls import path
from django.views.generic import TemplateView

app_name = "owner"
urlpatterns = [path("", TemplateView.as_view(template_name="owner/base.html"), name="home")]
