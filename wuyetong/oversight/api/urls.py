from django.urls import path

from . import views

urlpatterns = [
    path("bureau/figures/", views.BureauFigureApi.as_view(), name="api-oversight-bureau-figures"),
    path("bureau/cases/", views.BureauCaseListApi.as_view(), name="api-oversight-bureau-cases"),
    path(
        "company/figures/", views.CompanyFigureApi.as_view(), name="api-oversight-company-figures"
    ),
    path("company/cases/", views.CompanyCaseListApi.as_view(), name="api-oversight-company-cases"),
]
