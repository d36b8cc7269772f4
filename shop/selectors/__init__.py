"""Read queries of the commerce layer that more than one front end shares."""
