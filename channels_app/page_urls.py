from django.urls import path

from . import views

urlpatterns: list = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/conversations/<str:conversation_id>/nodes", views.conversation_nodes, name="inbox-nodes"),
    path("demo/", views.demo, name="demo"),
    path("w/<str:key>/test/", views.widget_test_page, name="widget-test-page"),
    path("static/widget.js", views.widget_js, name="widget-js"),
    path("api/widget/<str:key>/config", views.widget_config, name="widget-config"),
]
