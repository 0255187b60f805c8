# In-run reference: EWP's backtest with R's glmnet, as EWP's own scripts fit the model.
#
# Per origin T = 1991..2021: set.seed(90035); cv.glmnet(alpha = 0.5, family = "binomial",
# 10 folds) on the complete cases of years <= T (39 predictors and four outcomes), then
# the risk at lambda.min for every complete-case country of year T + 2. Rows in panel
# order, as EWP reads them. Writes ccode, year, risk as CSV; run.py times the whole
# process and scores the forecasts with forewarn's scorer (outside the timing).
#
#   Rscript benchmarks/reference_glmnet.R PANEL.csv OUT.csv

args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(glmnet))

predictors <- c(
  "widetargeting", "narrowtargeting", "v2csgender_binary", "v2mecenefm_binary",
  "partyban.new.0", "partyban.new.1", "partyban.new.2", "minorityrule", "judicialreform",
  "religiousfreedom", "pol_killing_approved", "freediscussion", "social_inequality",
  "even_civilrights", "repress_civilsoc", "social_power_dist", "ses_power_dist",
  "popsize.log2", "gdppcgrowth", "un_imr_sqrt", "efindex", "discrimpop", "reg.na",
  "reg.eap", "reg.sca", "reg.mna", "reg.eur", "ios.iccpr1", "battledeaths.log2",
  "coup.try.5yr", "mk_ongoing_count_log2", "mean_mk_onset_interaction",
  "mk_onset_prev_year", "newcountry", "mk_ever", "year_sq", "year",
  "countryage.new.log2", "includesnonstate"
)
outcomes <- c("mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2")

panel <- read.csv(args[1], check.names = FALSE)
train <- complete.cases(panel[, c(predictors, outcomes)])
test <- complete.cases(panel[, predictors])
parts <- list()
for (t in 1991:2021) {
  rows <- train & panel$year <= t
  set.seed(90035)
  fit <- cv.glmnet(as.matrix(panel[rows, predictors]), panel$mk_onset_1or2[rows],
                   alpha = 0.5, family = "binomial")
  now <- test & panel$year == t + 2
  risk <- predict(fit, newx = as.matrix(panel[now, predictors]), s = "lambda.min",
                  type = "response")
  parts[[length(parts) + 1]] <- data.frame(ccode = panel$ccode[now], year = t + 2,
                                           risk = as.vector(risk))
}
write.csv(do.call(rbind, parts), args[2], row.names = FALSE)
