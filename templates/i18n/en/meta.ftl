# Meta descriptions of the public pages (what a search result shows under the title).
meta-default = Huli District work-safety hazard reporting: report a hazard, anonymously or by name, and follow it with your receipt.
meta-index = Seen a work-safety hazard? Report it online, anonymously if you wish: it goes to the supervising department and the sub-district to be checked and fixed, and may earn a reward.
meta-report = Report a work-safety hazard: sector, place, what you saw and photos, anonymously if you wish; you get a 16-digit receipt to follow it.
meta-track = Follow your report with its 16-digit receipt: progress, replies from staff and rewards, and answer their questions.
meta-stats = Public statistics of work-safety hazard reports: received, found true and rectified, by month, sector and sub-district.
meta-exposures = The public list of major work-safety hazards found true: the business, the place and whether it was rectified.
