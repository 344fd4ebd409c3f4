from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("nouvelle/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/signature/", views.agreement_sign, name="sign"),
    path("<int:pk>/reconduction/", views.agreement_renew, name="renew"),
    path("<int:pk>/avenant/", views.amendment_add, name="amendment_add"),
    path("<int:pk>/resiliation/", views.agreement_terminate, name="terminate"),
    path(
        "<int:pk>/engagements/<int:obligation_pk>/",
        views.obligation_update,
        name="obligation_update",
    ),
    path(
        "<int:pk>/transmissions/<int:transmission_pk>/",
        views.transmission_update,
        name="transmission_update",
    ),
    path("<int:pk>/document.<str:fmt>", views.agreement_download, name="document"),
    path(
        "<int:pk>/avenants/<int:amendment_pk>/document.<str:fmt>",
        views.amendment_download,
        name="amendment_document",
    ),
]
