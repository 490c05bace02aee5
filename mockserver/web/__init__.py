"""The pages the mock serves to people, as plain files: the request inspector (`/__admin/`)
and the admin API's own OpenAPI document. No build step and nothing fetched from elsewhere:
the page works on a machine with no network."""
