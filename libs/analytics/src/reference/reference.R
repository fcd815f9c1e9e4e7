# The reference computation for reference.int.spec.ts: R's survival package on the same people
# as Kedja. Input: a CSV with columns time, status (0 censored, 1 the event, 2… competing causes),
# group (the group's label), compare and stratum (labels for the stratified log-rank test). Output: one long CSV, section,group,row,field,value, numbers
# printed with 17 significant digits so that nothing is lost in the text.
#   Rscript reference.R input.csv output.csv ncauses
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("numeric", "integer", "character", "character", "character"))
ncauses <- as.integer(args[3])
out <- file(args[2], "w")
num <- function(x) ifelse(is.na(x), "NA", ifelse(is.infinite(x), ifelse(x > 0, "Inf", "-Inf"), sprintf("%.17g", x)))
emit <- function(section, group, row, field, value) {
  writeLines(paste(section, group, row, field, num(value), sep = ","), out)
}
cat("section,group,row,field,value\n", file = out)
for (g in sort(unique(d$group))) {
  s <- d[d$group == g, ]
  fit <- survfit(Surv(time, status == 1) ~ 1, data = s, conf.type = "log-log")
  for (i in seq_along(fit$time)) {
    emit("km", g, i, "day", fit$time[i])
    emit("km", g, i, "atRisk", fit$n.risk[i])
    emit("km", g, i, "events", fit$n.event[i])
    emit("km", g, i, "censored", fit$n.censor[i])
    emit("km", g, i, "survival", fit$surv[i])
    emit("km", g, i, "stdErrLog", fit$std.err[i])
    emit("km", g, i, "lower", fit$lower[i])
    emit("km", g, i, "upper", fit$upper[i])
  }
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  for (i in 1:3) {
    emit("quantile", g, i, "time", q$quantile[i])
    emit("quantile", g, i, "lower", q$lower[i])
    emit("quantile", g, i, "upper", q$upper[i])
  }
  if (ncauses > 0) {
    # Multi-state Surv: the first factor level is censoring, then the event, then the competing causes.
    s$state <- factor(s$status, levels = 0:(ncauses + 1))
    aj <- survfit(Surv(time, state) ~ 1, data = s)
    for (i in seq_along(aj$time)) {
      emit("aj", g, i, "day", aj$time[i])
      emit("aj", g, i, "atRisk", aj$n.risk[i, 1])
      for (k in 1:(ncauses + 1)) {
        emit("aj", g, i, paste0("events", k), aj$n.event[i, k + 1])
        emit("aj", g, i, paste0("incidence", k), aj$pstate[i, k + 1])
        emit("aj", g, i, paste0("stdErr", k), aj$std.err[i, k + 1])
        emit("aj", g, i, paste0("lower", k), aj$lower[i, k + 1])
        emit("aj", g, i, paste0("upper", k), aj$upper[i, k + 1])
      }
    }
  }
}
logrank <- function(section, formula) {
  t <- survdiff(formula, data = d)
  # Stratified, observed and expected are group × stratum matrices (print.survdiff sums them).
  obs <- if (is.matrix(t$obs)) rowSums(t$obs) else t$obs
  exp <- if (is.matrix(t$exp)) rowSums(t$exp) else t$exp
  emit(section, "", 1, "chiSquare", t$chisq)
  emit(section, "", 1, "df", sum(exp > 0) - 1)
  emit(section, "", 1, "p", t$pvalue)
  groups <- sub("^[a-z]+=", "", names(t$n))
  for (i in seq_along(exp)) {
    emit(section, groups[i], 1, "observed", obs[i])
    emit(section, groups[i], 1, "expected", exp[i])
  }
}
if (length(unique(d$group)) > 1) logrank("logrank", Surv(time, status == 1) ~ group)
if (length(unique(d$compare)) > 1 && length(unique(d$stratum)) > 1) {
  logrank("stratified", Surv(time, status == 1) ~ compare + strata(stratum))
}
close(out)
