from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cadran.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .twofactor import forget_verification

        def _new_login_needs_a_new_code(sender, request, user, **kwargs):
            # Every login (our page, the admin's) starts unverified: a session that passed
            # the second factor once does not carry it over to a new password login.
            if request is not None and hasattr(request, "session"):
                forget_verification(request.session)

        # weak=False: the receiver is a local function, which a weak reference (the
        # default) would let the garbage collector drop, silently turning the rule off.
        user_logged_in.connect(
            _new_login_needs_a_new_code, dispatch_uid="cadran_forget_2fa_on_login", weak=False
        )
