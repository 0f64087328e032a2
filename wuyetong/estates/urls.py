from .views import bindings, imports, resources

app_name = "estates"
urlpatterns = resources.urlpatterns + bindings.urlpatterns + imports.urlpatterns
