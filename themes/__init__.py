"""Per-site branding (Wagtail site settings) and the default parent front end."""
