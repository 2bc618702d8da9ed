"""The participatory-budgeting app's public write API.

Faces (portal, staff, CLI) call these verbs; each lives in its own module and is
re-exported here, one line each.
"""

from townhall.budgeting.delivery import record_delivery_update as record_delivery_update
from townhall.budgeting.ideas import add_comment as add_comment
from townhall.budgeting.ideas import submit_proposal as submit_proposal
from townhall.budgeting.ideas import support_project as support_project
from townhall.budgeting.ideas import withdraw_proposal as withdraw_proposal
from townhall.budgeting.ideas import withdraw_support as withdraw_support
from townhall.budgeting.pabulib_io import import_pabulib as import_pabulib
from townhall.budgeting.results import count_process as count_process
from townhall.budgeting.results import publish_results as publish_results
from townhall.budgeting.review import accept_project as accept_project
from townhall.budgeting.review import assess_project as assess_project
from townhall.budgeting.review import hide_comment as hide_comment
from townhall.budgeting.review import hide_project as hide_project
from townhall.budgeting.review import merge_projects as merge_projects
from townhall.budgeting.review import reject_project as reject_project
from townhall.budgeting.review import restore_comment as restore_comment
from townhall.budgeting.review import restore_project as restore_project
from townhall.budgeting.sealing import seal_ballot_box as seal_ballot_box
from townhall.budgeting.setup import add_category as add_category
from townhall.budgeting.setup import add_unit as add_unit
from townhall.budgeting.setup import create_process as create_process
from townhall.budgeting.setup import publish_process as publish_process
from townhall.budgeting.setup import update_process as update_process
from townhall.budgeting.setup import update_unit as update_unit
from townhall.budgeting.voting import cast_ballot as cast_ballot
from townhall.budgeting.voting import enter_paper_ballot as enter_paper_ballot
from townhall.budgeting.voting import generate_codes as generate_codes
from townhall.budgeting.voting import import_census as import_census
from townhall.budgeting.voting import mark_voted_on_paper as mark_voted_on_paper
from townhall.budgeting.voting import resolve_paper_entry as resolve_paper_entry
from townhall.budgeting.voting import revoke_code as revoke_code
