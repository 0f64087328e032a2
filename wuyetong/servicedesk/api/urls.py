from django.urls import path

from . import views as v

urlpatterns = [
    path("types/", v.OwnerTypeListApi.as_view(), name="api-sd-types"),
    path("my/cases/", v.OwnerCaseListApi.as_view(), name="api-sd-my-cases"),
    path("my/cases/<int:pk>/", v.OwnerCaseDetailApi.as_view(), name="api-sd-my-case"),
    path("cases/", v.StaffCaseListApi.as_view(), name="api-sd-cases"),
    path("cases/<int:pk>/", v.StaffCaseDetailApi.as_view(), name="api-sd-case"),
    path("bureau/cases/", v.BureauCaseListApi.as_view(), name="api-sd-bureau-cases"),
    path("bureau/cases/<int:pk>/", v.BureauCaseDetailApi.as_view(), name="api-sd-bureau-case"),
    path("urges/<int:pk>/answer/", v.UrgeAnswerApi.as_view(), name="api-sd-urge-answer"),
]
for prefix, base, actions in (
    ("my/cases", v.OwnerBase, v.OWNER_ACTIONS),
    ("cases", v.StaffBase, v.STAFF_ACTIONS),
    ("bureau/cases", v.BureauBase, v.BUREAU_ACTIONS),
):
    for name, summary, request_serializer, call in actions:
        view = v._action_view(base, name, summary, request_serializer, call)
        urlpatterns.append(
            path(
                f"{prefix}/<int:pk>/{name.replace('_', '-')}/",
                view.as_view(),
                name=f"api-sd-{prefix.replace('/', '-')}-{name}",
            )
        )
