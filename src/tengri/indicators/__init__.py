"""Council indicators: tourist flows counted from Tengri's own records, the trade ledger of reported
figures with their sources, the season report and the open-data exports."""
