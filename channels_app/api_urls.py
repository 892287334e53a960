"""REST routes of the real-time side, mounted under /api/."""

from django.urls import path

from channels_app import api

urlpatterns = [
    path("w/<slug:workspace>/departments/", api.DepartmentList.as_view(), name="api-departments"),
    path("w/<slug:workspace>/departments/<int:pk>/", api.DepartmentDetail.as_view(), name="api-department"),
    path("w/<slug:workspace>/canned-replies/", api.CannedReplyList.as_view(), name="api-canned-replies"),
    path("w/<slug:workspace>/canned-replies/<int:pk>/", api.CannedReplyDetail.as_view(), name="api-canned-reply"),
    path("w/<slug:workspace>/operators/", api.OperatorList.as_view(), name="api-operators"),
    path("w/<slug:workspace>/operators/<int:user_id>/", api.OperatorDetail.as_view(), name="api-operator"),
    path("w/<slug:workspace>/conversations/", api.ConversationList.as_view(), name="api-conversations"),
    path("w/<slug:workspace>/conversations/<uuid:conversation_id>/", api.ConversationDetail.as_view(),
         name="api-conversation"),
    path("w/<slug:workspace>/conversations/<uuid:conversation_id>/export/", api.ConversationExport.as_view(),
         name="api-conversation-export"),
]
