from . import bindings, imports, resources

urlpatterns = resources.urlpatterns + bindings.urlpatterns + imports.urlpatterns
