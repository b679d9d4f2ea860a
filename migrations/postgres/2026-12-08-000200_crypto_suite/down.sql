DELETE FROM installation WHERE name = 'crypto_suite';
