"""The workbench's routes, one module per page: the bundles (catalog, what-if, map, walk),
the runs, the scenario editor, the studies and the live dashboard; each module's ``ROUTES``
has its page and the API its forms call."""

from onething.workbench.pages import bundles, editor, live, runs, studies

ROUTES = [*bundles.ROUTES, *studies.ROUTES, *editor.ROUTES, *runs.ROUTES, *live.ROUTES]
