"""Residents' participatory-budgeting pages, mounted at /budgeting/ (namespace "budgeting").

Each page module owns its own ``urlpatterns``: ideas and project pages, the ballot, results.
"""

from townhall.portal.views import pb_ideas, pb_results, pb_voting

app_name = "budgeting"
urlpatterns = [*pb_ideas.urlpatterns, *pb_voting.urlpatterns, *pb_results.urlpatterns]
