"""One home for the names the app's rules share: statuses, purchase processes, forecast
categories, the settings doctype. Plain values only: imported by pure code too."""

# Opportunity statuses (ERPNext's names)
OPEN_STATUS = "Open"
QUOTATION_STATUS = "Quotation"
WON_STATUS = "Converted"  # ERPNext's name for a won opportunity
LOST_STATUS = "Lost"
CLOSED_STATUS = "Closed"
FINAL_STATUSES = (WON_STATUS, LOST_STATUS, CLOSED_STATUS)
OPEN_STATUSES = (OPEN_STATUS, "Replied", QUOTATION_STATUS)

# Quotation statuses as the opportunity reads them
ORDERED_QUOTATION_STATUSES = ("Ordered", "Partially Ordered")  # a partial order is a win too
DEAD_QUOTATION_STATUSES = (LOST_STATUS, CLOSED_STATUS, "Expired", "Cancelled")

# How the customer decides (Opportunity.purchase_process)
PURCHASE_PROCESS_INDIVIDUAL = "Individual Decision"
PURCHASE_PROCESS_GROUP = "Group Decision"

# Forecast categories (Opportunity.forecast_category)
FORECAST_PIPELINE, FORECAST_BEST_CASE, FORECAST_COMMIT = "Pipeline", "Best Case", "Commit"
FORECAST_CLOSED, FORECAST_OMITTED = "Closed", "Omitted"
OPEN_FORECAST_CATEGORIES = (FORECAST_PIPELINE, FORECAST_BEST_CASE, FORECAST_COMMIT)
FORECAST_CATEGORIES = (*OPEN_FORECAST_CATEGORIES, FORECAST_CLOSED, FORECAST_OMITTED)

SETTINGS = "Opportunity Settings"
