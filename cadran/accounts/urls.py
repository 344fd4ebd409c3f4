from django.urls import path

from . import token_views, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("double-authentification/", views.two_factor_verify, name="two_factor_verify"),
    path("double-authentification/activer/", views.two_factor_setup, name="two_factor_setup"),
    path(
        "double-authentification/codes-de-secours/",
        views.recovery_codes,
        name="recovery_codes",
    ),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("jetons/", token_views.api_tokens, name="api_tokens"),
    path("jetons/<int:pk>/revoquer/", token_views.api_token_revoke, name="api_token_revoke"),
    path("jetons/<int:pk>/prolonger/", token_views.api_token_extend, name="api_token_extend"),
]
