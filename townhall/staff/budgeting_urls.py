"""Back-office participatory-budgeting pages, mounted at /staff/budgeting/ (namespace
"staff:pb"): process setup, review and delivery; census, codes and paper ballots; counting
and publication of results."""

from townhall.staff.views import pb_results, pb_setup, pb_voting

app_name = "pb"
urlpatterns = [*pb_setup.urlpatterns, *pb_voting.urlpatterns, *pb_results.urlpatterns]
