DROP TABLE case_reads;
