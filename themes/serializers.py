"""The shape of GET /api/themes/current/: what a front end needs to brand itself."""

from rest_framework import serializers


class RenditionSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Absolute URL of the resized image.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class LogoSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="Text alternative of the logo.")
    renditions = serializers.DictField(
        child=RenditionSerializer(),
        help_text='Keyed by Wagtail filter spec: "max-400x200", "max-800x400".',
    )


class ColoursSerializer(serializers.Serializer):
    primary = serializers.CharField(
        help_text="#rrggbb; white text on it reaches a 4.5:1 contrast at least."
    )
    secondary = serializers.CharField(help_text="#rrggbb accent colour.")


class ContactSerializer(serializers.Serializer):
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(help_text="A page path of this site, or an absolute URL.")


class PageLinkSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()


class SiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hostname = serializers.CharField()


class ThemeSerializer(serializers.Serializer):
    site = SiteSerializer()
    name = serializers.CharField()
    logo = LogoSerializer(allow_null=True)
    colours = ColoursSerializer()
    contact = ContactSerializer()
    footer_links = LinkSerializer(many=True)
    accessibility_statement = PageLinkSerializer(allow_null=True)
