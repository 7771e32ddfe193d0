"""Reading the three lists from scenario files and planners' spreadsheets."""
