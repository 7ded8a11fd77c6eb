"""Error reports without personal data (DEFAULT_EXCEPTION_REPORTER_FILTER and
DEFAULT_EXCEPTION_REPORTER).

Django's reports to ADMINS show what the reader sent: POST and GET values, cookies,
every request header, the local variables of each frame. Here that is a commenter's
text, name, email, address and browser, or a search for something private, and
emails sit in inboxes for years. A report keeps what finds a bug (the path, the
traceback, the names of parameters, cookies and variables) and hides every value a
reader sent. Like Django's filter, it steps aside with DEBUG on.
"""

import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Request headers and server variables a report may show: none says who the reader is
# or what they sent. Everything else in request.META (REMOTE_ADDR, X-Forwarded-For,
# User-Agent, Accept-Language, Cookie, Referer, the query string, the server's socket)
# is hidden.
SHOWN_META = re.compile(
    r"CONTENT_LENGTH|CONTENT_TYPE|PATH_INFO|REQUEST_METHOD|SCRIPT_NAME|SERVER_NAME"
    r"|SERVER_PORT|SERVER_PROTOCOL|HTTP_HOST|HTTP_ACCEPT|HTTP_ACCEPT_ENCODING"
    r"|HTTP_CONNECTION|HTTP_ORIGIN|HTTP_SEC_FETCH_\w+|HTTP_X_FORWARDED_PROTO|wsgi\.\w+"
)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter (settings with secrets hidden) that also hides the values of
    POST and GET parameters, cookies, frame variables and every request header that
    could identify the reader."""

    # Django's list, and the settings that may hold a password inside a URL.
    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|DATABASE_URL|REDIS_URL|LOCATION",
        flags=re.I,
    )

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if not self.is_active(request):
            return meta
        return {
            name: value if SHOWN_META.fullmatch(name) else self.cleansed_substitute
            for name, value in meta.items()
        }

    def get_safe_cookies(self, request):
        cookies = super().get_safe_cookies(request)
        if not self.is_active(request):
            return cookies
        return dict.fromkeys(cookies, self.cleansed_substitute)

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return self.cleansed(request.POST)

    def get_safe_query(self, request):
        """The GET parameters, their values hidden."""
        if not self.is_active(request):
            return request.GET
        return self.cleansed(request.GET)

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        # Any of them may hold what a commenter wrote (a form, its cleaned data, the
        # comment): their names are enough to follow the code.
        return [(name, self.cleansed_substitute) for name, _value in variables]

    def cleansed(self, parameters):
        cleansed = parameters.copy()
        for name in cleansed:
            cleansed.setlist(name, [self.cleansed_substitute])
        return cleansed


class PrivateExceptionReporter(ExceptionReporter):
    """Django's reporter, with the GET parameters and the query string of the request
    URL hidden by the filter (Django shows them unfiltered)."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        get_safe_query = getattr(self.filter, "get_safe_query", None)
        if self.request is None or get_safe_query is None:
            return data
        query = get_safe_query(self.request)
        data["request_GET_items"] = query.items()
        if query is not self.request.GET:
            # Django's URI is scheme, host as sent, and the full path (the path itself
            # escaped, so its first "?" starts the query).
            full_path = self.request.get_full_path()
            site = data["request_insecure_uri"].removesuffix(full_path)
            path = full_path.partition("?")[0]
            data["request_insecure_uri"] = site + path + (f"?{query.urlencode()}" if query else "")
        return data
