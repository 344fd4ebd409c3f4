from ninja import NinjaAPI

api = NinjaAPI(title="Cadran API", version="1", urls_namespace="api")
