"""The "Leave a Reply" form's fields as HTML: crispy-forms renders each shape of the
blank form once per process, and each visitor's values are filled into that copy.

crispy-forms renders a field through several templates; for the blank form under
every article page that cost about 4 ms of CPU per request (issue #6's profile),
more than the rest of the comment section. The blank form's markup only changes
with its *shape*: which fields it has (a logged-in user's form has fewer), which of
them hold a value and which boxes are ticked. So the first blank form of each shape
is rendered by crispy with a placeholder in place of each value, and later ones
reuse that markup with their own values (the signed timestamp, the reply target,
the details remembered in the visitor's cookie), escaped as Django's widgets escape
them. A bound form (one that came back with errors) is always rendered by crispy.
"""

from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Widgets whose only per-form output is their value (in value="..." or between
# <textarea> tags); checkboxes are part of the shape instead. Anything else
# (selects, files, several hidden inputs) makes the form render through crispy.
VALUE_WIDGETS = (
    forms.TextInput,
    forms.EmailInput,
    forms.URLInput,
    forms.NumberInput,
    forms.HiddenInput,
    forms.Textarea,
)

# Shape -> the markup split at the placeholders: [text, field name, text, ...].
_rendered = {}
# A handful of shapes exist (anonymous or logged in, replying or not, details saved
# or not); past this many, something varies per request and crispy renders it.
MAX_SHAPES = 64


def render_comment_form(form):
    """The fields of ``form`` (a CommentForm) as crispy-forms renders them."""
    if form.is_bound or form._errors:
        return render_crispy_form(form)
    shape, values = _shape_and_values(form)
    if shape is None:
        return render_crispy_form(form)
    parts = _rendered.get(shape)
    if parts is None:
        parts = _render_shape(form, values)
        if parts is None or len(_rendered) >= MAX_SHAPES:
            return render_crispy_form(form)
        _rendered[shape] = parts
    return mark_safe(
        "".join(part if index % 2 == 0 else values[part] for index, part in enumerate(parts))
    )


def _shape_and_values(form):
    """(shape, {field name: escaped value}) of a blank form, or (None, None) if a
    widget is not one whose markup this module knows how to fill."""
    shape, values = [], {}
    for name, field in form.fields.items():
        widget = field.widget
        value = form[name].value()
        # What a form may set per instance besides values (autofocus, say) is part of
        # the shape too.
        shape.append((field.required, tuple(sorted(widget.attrs.items()))))
        if isinstance(widget, forms.CheckboxInput):
            shape.append((name, "checked" if widget.check_test(value) else "unchecked"))
        elif isinstance(widget, VALUE_WIDGETS) and not isinstance(
            widget, forms.MultipleHiddenInput
        ):
            formatted = widget.format_value(value)
            if formatted is None:
                shape.append((name, "empty"))
            else:
                shape.append((name, "value"))
                values[name] = conditional_escape(formatted)
        else:
            return None, None
    key = (type(form), form.is_logged_in, form.prefix, form.auto_id, get_language())
    shape = (key, tuple(shape))
    try:
        hash(shape)
    except TypeError:  # an attribute value that is a list or a dict
        return None, None
    return shape, values


def _render_shape(form, values):
    """Render a form of ``form``'s shape with a placeholder for each value; return
    the markup split at the placeholders, or None if a placeholder did not come out
    exactly once (the shape cannot be filled in safely)."""
    placeholders = {name: f"\ue000{name}\ue001" for name in values}
    initial = {name: form[name].value() for name in form.fields}
    initial.update(placeholders)
    model = type(form)(
        article=form.article,
        user=form.user,
        initial=initial,
        prefix=form.prefix,
        auto_id=form.auto_id,
    )
    if list(model.fields) != list(form.fields):
        return None
    for name, field in form.fields.items():
        model.fields[name].required = field.required
        model.fields[name].widget.attrs = dict(field.widget.attrs)
    html = str(render_crispy_form(model))
    parts, position = [], 0
    for name, placeholder in sorted(placeholders.items(), key=lambda item: html.find(item[1])):
        if html.count(placeholder) != 1:
            return None
        start = html.index(placeholder)
        parts += [html[position:start], name]
        position = start + len(placeholder)
    parts.append(html[position:])
    return parts
