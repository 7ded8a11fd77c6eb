"""The demo article's hero picture, drawn with Pillow when the demo content loads.

Our own calm, abstract artwork (a dawn-coloured gradient, soft circles and the
curve of a shoreline), so `make run` and `make bench` show real renditions without
downloading or committing a photograph.
"""

import io

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900
ALT_TEXT = (
    "Abstract illustration: a low sun over calm teal water at dawn, its light "
    "reflected in soft lines under a pale sky."
)
# The article whose page shows it (and that `make bench` measures).
ARTICLE_SLUG = "heroin-withdrawal-physiology"


def _gradient(top, bottom):
    column = Image.new("RGB", (1, HEIGHT))
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize((WIDTH, HEIGHT))


def _soft_disc(picture, box, colour, alpha, blur):
    # The layer's transparent pixels share the disc's colour, so blurring fades it
    # out instead of drawing a dark halo.
    layer = Image.new("RGBA", picture.size, (*colour, 0))
    ImageDraw.Draw(layer).ellipse(box, fill=(*colour, alpha))
    return Image.alpha_composite(picture, layer.filter(ImageFilter.GaussianBlur(blur)))


def draw_dawn_picture():
    """Return the picture as JPEG bytes (1600×900)."""
    picture = _gradient((247, 233, 210), (190, 222, 217)).convert("RGBA")
    picture = _soft_disc(picture, (160, 90, 760, 690), (255, 252, 244), 110, 90)
    picture = _soft_disc(picture, (1060, 270, 1300, 510), (250, 206, 150), 230, 18)

    horizon = 590
    sea = _gradient((64, 140, 142), (22, 88, 96)).crop((0, 0, WIDTH, HEIGHT - horizon))
    picture.paste(sea.resize((WIDTH, HEIGHT - horizon)), (0, horizon))
    light = Image.new("RGBA", picture.size, (250, 214, 170, 0))
    draw = ImageDraw.Draw(light)
    for number, top in enumerate(range(horizon + 20, HEIGHT, 46)):
        half = 60 + number * 28
        draw.rounded_rectangle(
            (1180 - half, top, 1180 + half, top + 6), radius=3, fill=(250, 214, 170, 150)
        )
    picture = Image.alpha_composite(picture, light.filter(ImageFilter.GaussianBlur(3)))

    buffer = io.BytesIO()
    picture.convert("RGB").filter(ImageFilter.SMOOTH).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()
