from django.urls import path

from . import token_views, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("jetons/", token_views.api_tokens, name="api_tokens"),
    path("jetons/<int:pk>/revoquer/", token_views.api_token_revoke, name="api_token_revoke"),
]
