from django.urls import path

from . import feeds, views

app_name = "comments"

urlpatterns = [
    path("post/<slug:slug>/", views.post_comment, name="post"),
    path("form-token/", views.form_token, name="form_token"),
    path("<int:pk>/", views.permalink, name="permalink"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
    path("replies/confirm/<str:token>/", views.reply_confirm, name="reply_confirm"),
    path("replies/stop/<str:token>/", views.reply_unsubscribe, name="reply_unsubscribe"),
    path("feed/<slug:slug>/", feeds.ArticleCommentsFeed(), name="feed"),
    path("feed/<slug:slug>/atom/", feeds.ArticleCommentsAtomFeed(), name="feed_atom"),
]
