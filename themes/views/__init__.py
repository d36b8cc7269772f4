"""The parent front end: server-rendered pages, one module per area of the parent's space. Views
are thin: they validate a form and call the same service functions as the JSON API."""
