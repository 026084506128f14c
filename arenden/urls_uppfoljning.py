app_name = "uppfoljning"
urlpatterns: list = []
