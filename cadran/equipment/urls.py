from django.urls import path

from . import views

app_name = "equipment"
urlpatterns = [
    path("", views.equipment_list, name="list"),
    path("<int:pk>/", views.equipment_detail, name="detail"),
    path("<int:pk>/etat/", views.equipment_status, name="set_status"),
    path("prets/", views.loan_list, name="loan_list"),
    path("prets/demande/", views.loan_request, name="loan_request"),
    path("prets/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("prets/<int:pk>/accepter/", views.loan_approve, name="loan_approve"),
    path("prets/<int:pk>/retrait/", views.loan_collect, name="loan_collect"),
    path("prets/<int:pk>/retour/", views.loan_return, name="loan_return"),
    path("prets/<int:pk>/annuler/", views.loan_cancel, name="loan_cancel"),
    path("communes/<str:insee>/", views.commune_history, name="commune_history"),
]
