"""REST routes of the real-time side, mounted under /api/."""

from django.urls import path

from channels_app import api

urlpatterns = [
    path("w/<slug:ws>/departments/", api.DepartmentList.as_view(), name="api-departments"),
    path("w/<slug:ws>/departments/<int:pk>/", api.DepartmentDetail.as_view(), name="api-department"),
    path("w/<slug:ws>/canned-replies/", api.CannedReplyList.as_view(), name="api-canned-replies"),
    path("w/<slug:ws>/canned-replies/<int:pk>/", api.CannedReplyDetail.as_view(), name="api-canned-reply"),
    path("w/<slug:ws>/operators/", api.OperatorList.as_view(), name="api-operators"),
    path("w/<slug:ws>/operators/<int:user_id>/", api.OperatorDetail.as_view(), name="api-operator"),
    path("w/<slug:ws>/conversations/", api.ConversationList.as_view(), name="api-conversations"),
    path("w/<slug:ws>/conversations/<uuid:conversation_id>/", api.ConversationDetail.as_view(),
         name="api-conversation"),
    path("w/<slug:ws>/conversations/<uuid:conversation_id>/export/", api.ConversationExport.as_view(),
         name="api-conversation-export"),
]
