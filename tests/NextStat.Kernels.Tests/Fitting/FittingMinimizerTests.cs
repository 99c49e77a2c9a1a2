using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.Kernels.Tests.Fitting;

public class FittingMinimizerTests
{
    /// <summary>Random correlated Gaussians: the fit returns the mean, the covariance and the correlations exactly.</summary>
    [Property(MaxTest = 40)]
    public Property GaussianLikelihoodGivesItsMeanAndCovariance() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 12).SelectMany(n => Gen.Choose(-1000, 1000).ArrayOf(n * (n + 2)).Select(v => (n, v)))), sample =>
        {
            var (n, values) = sample;
            // Σ = D·C·D with C = I + small random symmetric part (kept diagonally dominant): widths from 1e-3 to 1e2,
            // a badly scaled problem on purpose.
            double[] mean = new double[n];
            double[] width = new double[n];
            double[,] covariance = new double[n, n];
            for (int i = 0; i < n; i++)
            {
                mean[i] = values[i] / 10.0;
                width[i] = Math.Pow(10, (values[n + i] + 1000) / 400.0 - 3);
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double c = i == j ? 1 : 0.5 / n * values[(2 * n) + (Math.Min(i, j) * n) + Math.Max(i, j)] / 1000.0;
                    covariance[i, j] = c * width[i] * width[j];
                }
            }

            double[,] inverse = Invert(covariance);
            FitResult result = new Minimizer().Minimize(FittingTestObjectives.Gaussian(mean, inverse), FitInput.Unbounded(new double[n]));
            Assert.True(result.Converged, result.Message);
            for (int i = 0; i < n; i++)
            {
                // EDM ≤ 1e-10 bounds the distance to the minimum by √(2·EDM)·σ ≈ 1.4e-5 σ.
                Assert.Equal(mean[i], result.Parameters[i], 1.5e-5 * width[i]);
                Assert.Equal(width[i], result.Uncertainties![i], 1e-6 * width[i]);
                for (int j = 0; j < n; j++)
                {
                    double expected = covariance[i, j] / (width[i] * width[j]);
                    Assert.Equal(expected, result.Correlation![i][j], 1e-6);
                }
            }

            Assert.True(result.Edm <= FitOptions.Default.EdmTolerance);
        });

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    public void RosenbrockConvergesToOnes(int n)
    {
        double[] start = new double[n];
        Array.Fill(start, -1.2);
        FitResult result = new Minimizer().Minimize(FittingTestObjectives.Rosenbrock(n), FitInput.Unbounded(start));
        Assert.True(result.Converged, result.Message);
        // Rosenbrock's smallest Hessian eigenvalue is ~1e-3 in 20 dimensions: EDM ≤ 1e-10 leaves ~1e-6 there.
        foreach (double x in result.Parameters)
        {
            Assert.Equal(1.0, x, 1e-5);
        }

        Assert.True(result.Value < 1e-10, $"f = {result.Value}");
    }

    [Fact]
    public void FitsFixingDifferentParametersFromOneStartCovarianceGiveTheSameBitsOnOneMinimizer()
    {
        // A ranking's fits each fix another parameter: the start covariance is checked once over the union of their
        // free parameters instead of per fit; the fits must not notice.
        double[] mean = [1, -2, 3, 0.5];
        double[,] inverse = { { 4, 1, 0, 0.2 }, { 1, 3, 0.5, 0 }, { 0, 0.5, 2, 0.1 }, { 0.2, 0, 0.1, 1 } };
        DelegateObjective objective = FittingTestObjectives.Gaussian(mean, inverse);
        FitResult best = new Minimizer().Minimize(objective, FitInput.Unbounded(new double[4]));
        FitInput start = FitInput.Unbounded(new double[4]) with { StartCovariance = best.Covariance };
        var reused = new Minimizer(FitOptions.Default with { ComputeUncertainties = false });
        for (int fixedParameter = 0; fixedParameter < 4; fixedParameter++)
        {
            FitInput input = start.WithFixed(fixedParameter, best.Parameters[fixedParameter] + 0.3, best.Parameters);
            FitResult again = reused.Minimize(objective, input);
            FitResult fresh = new Minimizer(FitOptions.Default with { ComputeUncertainties = false }).Minimize(objective, input);
            Assert.True(again.Converged, again.Message);
            Assert.Equal(fresh.Parameters, again.Parameters);
            Assert.Equal(fresh.Evaluations, again.Evaluations);
        }
    }

    [Fact]
    public void AStartCovarianceCheckedByOneMinimizerNeedsNoCheckInAnother()
    {
        double[] mean = [1, -2, 3, 0.5];
        double[,] inverse = { { 4, 1, 0, 0.2 }, { 1, 3, 0.5, 0 }, { 0, 0.5, 2, 0.1 }, { 0.2, 0, 0.1, 1 } };
        DelegateObjective objective = FittingTestObjectives.Gaussian(mean, inverse);
        FitResult best = new Minimizer().Minimize(objective, FitInput.Unbounded(new double[4]));
        double[][] covariance = best.Covariance!;
        FitInput start = FitInput.Unbounded(new double[4]) with { StartCovariance = covariance };
        var options = FitOptions.Default with { ComputeUncertainties = false };
        Assert.Null(CheckedCovariances.Known(covariance, 4));

        // The first fit factors the covariance over its free parameters and records them.
        Assert.True(new Minimizer(options).Minimize(objective, start.WithFixed(0, 1.3, best.Parameters)).Converged);
        Assert.Equal([false, true, true, true], CheckedCovariances.Known(covariance, 4)!);

        // Another minimizer with a parameter free that was not checked factors the union, and records it.
        Assert.True(new Minimizer(options).Minimize(objective, start.WithFixed(1, -1.7, best.Parameters)).Converged);
        bool[] union = CheckedCovariances.Known(covariance, 4)!;
        Assert.Equal([true, true, true, true], union);

        // Covered sets need no check: the record is not replaced.
        Assert.True(new Minimizer(options).Minimize(objective, start.WithFixed(2, 3.3, best.Parameters)).Converged);
        Assert.Same(union, CheckedCovariances.Known(covariance, 4));
        Assert.Null(CheckedCovariances.Known(covariance, 3));

        // A covariance that is not positive definite is never recorded.
        double[][] singular = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
        Assert.True(new Minimizer(options).Minimize(objective, start with { StartCovariance = singular }).Converged);
        Assert.Null(CheckedCovariances.Known(singular, 4));
    }

    [Fact]
    public void UncertaintiesWithoutMatricesAreTheSameBits()
    {
        double[] mean = [1, -2, 3];
        double[,] inverse = { { 4, 1, 0 }, { 1, 3, 0.5 }, { 0, 0.5, 2 } };
        FitInput start = FittingTestObjectives.Bounded(3, 0, -10, 2.5);
        FitResult full = new Minimizer().Minimize(FittingTestObjectives.Gaussian(mean, inverse), start);
        FitResult lean = new Minimizer(FitOptions.Default with { CovarianceMatrices = false }).Minimize(FittingTestObjectives.Gaussian(mean, inverse), start);
        Assert.True(lean.Converged, lean.Message);
        Assert.Equal([2], lean.AtBound);
        Assert.NotNull(full.Covariance);
        Assert.Null(lean.Covariance);
        Assert.Null(lean.Correlation);
        Assert.Equal(full.Uncertainties, lean.Uncertainties);
        Assert.Equal(full.Parameters, lean.Parameters);
    }

    [Fact]
    public void AFitThatFallsBelowTheObjectivesLowerBoundStopsThere()
    {
        // 2(λ − n ln λ) of one bin with n = 0 and λ = x + y: valid for λ ≥ 0 (least value 0), unbounded below beyond.
        // Without the bound the fit runs down to the box corner and reports that as a minimum.
        ValueAndGradientFunction poissonOfZero = (x, g) =>
        {
            g[0] = 2;
            g[1] = 2;
            return 2 * (x[0] + x[1]);
        };
        FitInput start = FittingTestObjectives.Bounded(2, 3, -50, 50);
        FitResult stopped = new Minimizer().Minimize(new DelegateObjective(2, poissonOfZero, lowerBound: 0), start);
        Assert.Equal(FitStatus.Unbounded, stopped.Status);
        Assert.False(stopped.HasMinimum);
        Assert.True(stopped.Value < 0);
        Assert.Null(stopped.Uncertainties);
        Assert.InRange(stopped.Evaluations, 1, 10);
        Assert.Contains("valid region", stopped.Message, StringComparison.Ordinal);

        FitResult unguarded = new Minimizer().Minimize(new DelegateObjective(2, poissonOfZero), start);
        Assert.Equal([-50.0, -50.0], unguarded.Parameters);

        // A start already below the bound is reported at once; a minimum above it is untouched.
        FitResult below = new Minimizer().Minimize(new DelegateObjective(2, poissonOfZero, lowerBound: 100), start);
        Assert.Equal(FitStatus.Unbounded, below.Status);
        Assert.Equal(1, below.Evaluations);
        FitResult bowl = new Minimizer().Minimize(
            new DelegateObjective(1, (x, g) => { g[0] = 2 * (x[0] - 1); return 5 + ((x[0] - 1) * (x[0] - 1)); }, lowerBound: 5),
            FitInput.Unbounded([4.0]));
        Assert.True(bowl.Converged, bowl.Message);
        Assert.True(bowl.HasMinimum);
        Assert.Equal(1.0, bowl.Parameters[0], 1e-8);
    }

    [Fact]
    public void MinimumOnABoundIsFoundExactlyAndReported()
    {
        // f = (x0 + 1)² + (x1 − 2)² + x0·x1 on x0 ≥ 0: the unconstrained minimum has x0 < 0; with x0 held at 0 the
        // remaining minimum is x1 = 2, and ∂f/∂x0 = 2 + x1 = 4 > 0 keeps x0 on its bound (KKT).
        var objective = new DelegateObjective(2, (x, g) =>
        {
            g[0] = (2 * (x[0] + 1)) + x[1];
            g[1] = (2 * (x[1] - 2)) + x[0];
            return ((x[0] + 1) * (x[0] + 1)) + ((x[1] - 2) * (x[1] - 2)) + (x[0] * x[1]);
        });
        var input = new FitInput([3.0, 0.0], [0.0, -10.0], [5.0, 10.0]);
        FitResult result = new Minimizer().Minimize(objective, input);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.0, result.Parameters[0]);
        Assert.Equal(2.0, result.Parameters[1], 1e-8);
        Assert.Equal([0], result.AtBound);
    }

    [Property(MaxTest = 30)]
    public Property BoxConstrainedQuadraticsSatisfyTheOptimalityConditions() =>
        Prop.ForAll(Arb.From(Gen.Choose(-500, 500).ArrayOf(12)), values =>
        {
            // Diagonal quadratic with random centres on a random box: the solution is the centre clamped to the box.
            int n = 4;
            double[] centre = new double[n];
            double[] lower = new double[n];
            double[] upper = new double[n];
            double[] initial = new double[n];
            for (int i = 0; i < n; i++)
            {
                centre[i] = values[i] / 50.0;
                double a = values[n + i] / 100.0;
                double b = values[(2 * n) + i] / 100.0;
                lower[i] = Math.Min(a, b) - 0.5;
                upper[i] = Math.Max(a, b) + 0.5;
                initial[i] = 0.5 * (lower[i] + upper[i]);
            }

            var objective = new DelegateObjective(n, (x, g) =>
            {
                double f = 0;
                for (int i = 0; i < n; i++)
                {
                    double scale = Math.Pow(10, i - 1);
                    f += scale * (x[i] - centre[i]) * (x[i] - centre[i]);
                    g[i] = 2 * scale * (x[i] - centre[i]);
                }

                return f;
            });
            FitResult result = new Minimizer().Minimize(objective, new FitInput(initial, lower, upper));
            Assert.True(result.Converged, result.Message);
            for (int i = 0; i < n; i++)
            {
                double expected = Math.Clamp(centre[i], lower[i], upper[i]);
                Assert.Equal(expected, result.Parameters[i], 1e-7);
                Assert.InRange(result.Parameters[i], lower[i], upper[i]);
            }
        });

    [Fact]
    public void FixedParametersStayAndTheOthersFindTheConditionalMinimum()
    {
        // Correlated Gaussian with ρ = 0.5, unit widths: with x0 fixed at 2, the conditional minimum is x1 = ρ·x0 = 1.
        double[,] inverse = Invert(new double[,] { { 1, 0.5 }, { 0.5, 1 } });
        var objective = FittingTestObjectives.Gaussian([0, 0], inverse);
        var input = new FitInput([2.0, 0.0], [double.NegativeInfinity, double.NegativeInfinity], [1.0, double.PositiveInfinity], [true, false]);
        FitResult result = new Minimizer().Minimize(objective, input);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(2.0, result.Parameters[0]);
        Assert.Equal(1.0, result.Parameters[1], 1e-8);
        Assert.Equal(0.0, result.Uncertainties![0]);
        // Conditional width √(1 − ρ²).
        Assert.Equal(Math.Sqrt(0.75), result.Uncertainties[1], 1e-7);
    }

    [Fact]
    public void AllParametersFixedEvaluatesOnce()
    {
        var input = new FitInput([0.5, 0.5], [0.0, 0.0], [1.0, 1.0], [true, true]);
        FitResult result = new Minimizer().Minimize(FittingTestObjectives.Rosenbrock(2), input);
        Assert.True(result.Converged);
        Assert.Equal(FittingTestObjectives.RosenbrockValue([0.5, 0.5]), result.Value);
        Assert.Equal(1, result.Evaluations);
    }

    [Fact]
    public void IterationLimitIsReportedAsNotConverged()
    {
        var options = new FitOptions { MaxIterations = 3 };
        FitResult result = new Minimizer(options).Minimize(FittingTestObjectives.Rosenbrock(10), FitInput.Unbounded(Enumerable.Repeat(-1.2, 10).ToArray()));
        Assert.False(result.Converged);
        Assert.Equal(FitStatus.MaxIterations, result.Status);
        Assert.Contains("iteration limit", result.Message);
        Assert.True(result.Edm > options.EdmTolerance);
        Assert.Equal(10, result.Uncertainties!.Length);
    }

    [Fact]
    public void AMinimizerHandsItsEvaluatorsOnToTheNextObjectiveButNeverACallersOne()
    {
        var options = new FitOptions { HessianParallelism = 2 };
        var minimizer = new Minimizer(options);
        var first = new HandoverObjective(FittingTestObjectives.Rosenbrock(4));
        var second = new HandoverObjective(FittingTestObjectives.Rosenbrock(4));
        FitInput input = FitInput.Unbounded([-1.2, 1.0, -1.2, 1.0]);
        FitResult a = minimizer.Minimize(first, input);
        FitResult b = minimizer.Minimize(second, input);
        FitResult again = minimizer.Minimize(second, input);

        // The first objective made fresh evaluators (the main one and a Hessian column worker's); the second took
        // over exactly those two, once: the same objective again keeps its evaluators.
        Assert.Equal([null, null], first.TakenOver);
        Assert.Equal(2, second.TakenOver.Count);
        Assert.All(second.TakenOver, Assert.NotNull);
        Assert.NotSame(second.TakenOver[0], second.TakenOver[1]);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Parameters, again.Parameters);
        Assert.Equal(a.Evaluations, again.Evaluations);

        // An evaluator a caller passes in stays the caller's: the next objective starts from scratch.
        IObjectiveEvaluator callers = FittingTestObjectives.Rosenbrock(4).CreateEvaluator();
        minimizer.Minimize(callers, input);
        var third = new HandoverObjective(FittingTestObjectives.Rosenbrock(4));
        FitResult c = minimizer.Minimize(third, input);
        Assert.Equal([null, null], third.TakenOver);
        Assert.Equal(a.Parameters, c.Parameters);
    }

    [Fact]
    public void EvaluationLimitIsReportedAsNotConverged()
    {
        var options = new FitOptions { MaxEvaluations = 30 };
        FitResult result = new Minimizer(options).Minimize(FittingTestObjectives.Rosenbrock(10), FitInput.Unbounded(Enumerable.Repeat(-1.2, 10).ToArray()));
        Assert.Equal(FitStatus.MaxEvaluations, result.Status);
    }

    [Fact]
    public void ANonSmoothObjectiveEndsWithAReasonNotAHang()
    {
        // |x| has no Newton step to its kink; the fit must stop and say why.
        var objective = new DelegateObjective(1, (x, g) =>
        {
            g[0] = Math.Sign(x[0]) + (x[0] == 0 ? 1 : 0);
            return Math.Abs(x[0]);
        });
        FitResult result = new Minimizer().Minimize(objective, FitInput.Unbounded([0.3]));
        Assert.NotEqual(FitStatus.Failed, result.Status);
        Assert.False(string.IsNullOrEmpty(result.Message));
        Assert.True(result.Value <= 0.3);
    }

    [Fact]
    public void AThrowingObjectiveFailsTheFitWithItsMessage()
    {
        var objective = new DelegateObjective(1, (x, g) => x[0] > 2 ? throw new InvalidOperationException("model broke at x > 2") : -x[0] * (g[0] = -1));
        FitResult result = new Minimizer().Minimize(objective, new FitInput([0.0], [-10.0], [10.0]));
        Assert.Equal(FitStatus.Failed, result.Status);
        Assert.False(result.HasMinimum);
        Assert.Contains("model broke at x > 2", result.Message);
        Assert.Equal([0.0], result.Parameters);
    }

    [Fact]
    public void ANonFiniteStartIsReported()
    {
        var objective = new DelegateObjective(1, (x, g) => double.NaN);
        FitResult result = new Minimizer().Minimize(objective, FitInput.Unbounded([1.0]));
        Assert.Equal(FitStatus.NotFinite, result.Status);
        Assert.False(result.HasMinimum);
    }

    [Fact]
    public void ParallelHessianGivesTheSameBits()
    {
        var objective = FittingTestObjectives.PoissonWithConstraints([12, 30, 7, 44, 19], [3, 6, 1, 9, 4], [10, 22, 6, 33, 15], 0.1);
        var input = new FitInput([1.0, 1, 1, 1, 1, 1], [0.0, 0.5, 0.5, 0.5, 0.5, 0.5], [10.0, 2, 2, 2, 2, 2]);
        FitResult one = new Minimizer().Minimize(objective, input);
        FitResult two = new Minimizer(new FitOptions { HessianParallelism = 2 }).Minimize(objective, input);
        FitResult three = new Minimizer(new FitOptions { HessianParallelism = 3 }).Minimize(objective, input);
        Assert.True(one.Converged, one.Message);
        Assert.Equal(one.Parameters, two.Parameters);
        Assert.Equal(one.Uncertainties, two.Uncertainties);
        Assert.Equal(one.Parameters, three.Parameters);
        Assert.Equal(one.Uncertainties, three.Uncertainties);
    }

    [Fact]
    public void AStartCovarianceSavesTheStartingHessianAndReachesTheSameMinimum()
    {
        var objective = FittingTestObjectives.PoissonWithConstraints([12, 30, 7, 44, 19], [3, 6, 1, 9, 4], [10, 22, 6, 33, 15], 0.1);
        var input = new FitInput([1.0, 1, 1, 1, 1, 1], [0.0, 0.5, 0.5, 0.5, 0.5, 0.5], [10.0, 2, 2, 2, 2, 2]);
        FitResult reference = new Minimizer().Minimize(objective, input);
        var options = new FitOptions { ComputeUncertainties = false };
        FitInput shifted = input.WithFixed(1, 1.05, reference.Parameters);
        FitResult cold = new Minimizer(options).Minimize(objective, shifted);
        FitResult warm = new Minimizer(options).Minimize(objective, shifted with { StartCovariance = reference.Covariance });
        Assert.True(cold.Converged && warm.Converged, cold.Message + " / " + warm.Message);
        Assert.True(warm.Evaluations < cold.Evaluations, $"{warm.Evaluations} vs {cold.Evaluations} evaluations");
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(cold.Parameters[i], warm.Parameters[i], 1e-5);
        }

        // An unusable covariance (not positive definite) falls back to the finite-difference start.
        double[][] bad = [.. Enumerable.Range(0, 6).Select(_ => new double[6])];
        FitResult fallback = new Minimizer(options).Minimize(objective, shifted with { StartCovariance = bad });
        Assert.Equal(cold.Parameters, fallback.Parameters);
    }

    [Fact]
    public void StartVariancesReachTheSameMinimumAndUncertainties()
    {
        var objective = FittingTestObjectives.PoissonWithConstraints([12, 30, 7, 44, 19], [3, 6, 1, 9, 4], [10, 22, 6, 33, 15], 0.1);
        var input = new FitInput([1.0, 1, 1, 1, 1, 1], [0.0, 0.5, 0.5, 0.5, 0.5, 0.5], [10.0, 2, 2, 2, 2, 2]);
        FitResult reference = new Minimizer().Minimize(objective, input);
        // The constraint widths for θ; the signal strength has none and is measured (one gradient).
        FitInput withVariances = input with { StartVariances = [double.NaN, 0.01, 0.01, 0.01, 0.01, 0.01] };
        FitResult fit = new Minimizer().Minimize(objective, withVariances);
        Assert.True(reference.Converged && fit.Converged, reference.Message + " / " + fit.Message);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(reference.Parameters[i], fit.Parameters[i], 1e-6);
            Assert.Equal(reference.Uncertainties![i], fit.Uncertainties![i], 1e-5 * reference.Uncertainties[i]);
        }

        // Carried by the derived inputs; a start covariance takes precedence; a wrong length is ignored.
        Assert.Same(withVariances.StartVariances, withVariances.WithFixed(1, 1.1).StartVariances);
        Assert.Same(withVariances.StartVariances, withVariances.WithInitial([1.0, 1, 1, 1, 1, 1]).StartVariances);
        FitResult covarianceFirst = new Minimizer().Minimize(objective, withVariances with { StartCovariance = reference.Covariance });
        FitResult covarianceOnly = new Minimizer().Minimize(objective, input with { StartCovariance = reference.Covariance });
        Assert.Equal(covarianceOnly.Parameters, covarianceFirst.Parameters);
        Assert.Equal(covarianceOnly.Evaluations, covarianceFirst.Evaluations);
        FitResult wrongLength = new Minimizer().Minimize(objective, input with { StartVariances = [1.0] });
        Assert.Equal(reference.Parameters, wrongLength.Parameters);
        Assert.Equal(reference.Evaluations, wrongLength.Evaluations);
    }

    [Fact]
    public void AParameterHeldOnABoundIsReducedOutOfTheQuasiNewtonMetric()
    {
        // Correlated Gaussian (ρ = 0.95) whose minimum (−1, 2) lies beyond x0 ≥ 0. Started with the exact covariance,
        // the first step lands on the bound; with x0 held, the inverse Hessian of x1 alone is the conditional variance
        // 1 − ρ², not the marginal 1, and one more step reaches the conditional minimum x1 = 2 + ρ·1 exactly. With
        // the marginal metric the steps would overshoot by 1/(1 − ρ²) ≈ 10 and backtrack for many iterations.
        double rho = 0.95;
        double[,] covariance = { { 1, rho }, { rho, 1 } };
        var objective = FittingTestObjectives.Gaussian([-1, 2], Invert(covariance));
        var input = new FitInput([0.5, 0.0], [0.0, double.NegativeInfinity], [double.PositiveInfinity, double.PositiveInfinity])
        {
            StartCovariance = [[1, rho], [rho, 1]],
        };
        FitResult result = new Minimizer(new FitOptions { ComputeUncertainties = false }).Minimize(objective, input);
        Assert.True(result.Converged, result.Message);
        Assert.Equal(0.0, result.Parameters[0]);
        Assert.Equal(2 + rho, result.Parameters[1], 1e-9);
        Assert.Equal([0], result.AtBound);
        Assert.True(result.Iterations <= 3, $"{result.Iterations} iterations");
    }

    [Fact]
    public void TheCovarianceComesFromAHessianAtTheMinimumOnAFlatValley()
    {
        // λ = 1000·μ·κ(α), n = 1000, α constrained by a unit Gaussian: the likelihood only fixes the product μ·κ, so
        // the Hessian is ill-conditioned (~1e3) and σ_μ is set by the constraint through the valley. The exact
        // answer: κ = e^{0.4α} (a pure exponential, as normsys beyond ±1) gives σ_μ² = 1/1000 + 0.16 at μ = 1, α = 0.
        var objective = new DelegateObjective(2, (x, g) =>
        {
            double kappa = Math.Exp(0.4 * x[1]);
            double lambda = 1000 * x[0] * kappa;
            double d = 2 * (1 - (1000 / lambda));
            g[0] = d * 1000 * kappa;
            g[1] = (d * lambda * 0.4) + (2 * x[1]);
            return (2 * (lambda - (1000 * Math.Log(lambda)))) + (x[1] * x[1]);
        });
        FitResult result = new Minimizer().Minimize(objective, new FitInput([5.0, 0.0], [0.0, -5.0], [10.0, 5.0]));
        Assert.True(result.Converged, result.Message);
        Assert.Equal(1.0, result.Parameters[0], 1e-6);
        Assert.Equal(0.0, result.Parameters[1], 1e-6);
        Assert.Equal(Math.Sqrt(0.001 + 0.16), result.Uncertainties![0], 1e-5 * Math.Sqrt(0.161));
        Assert.Equal(1.0, result.Uncertainties[1], 1e-5);
    }

    [Fact]
    public void InputValidationNamesTheParameter()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FitInput([5.0], [0.0], [1.0], names: ["mu"]));
        Assert.Contains("'mu'", ex.Message);
        Assert.Contains("outside its bounds", ex.Message);
        Assert.Throws<ArgumentException>(() => new FitInput([0.5], [1.0], [0.0]));
        Assert.Throws<ArgumentException>(() => new FitInput([double.NaN], [0.0], [1.0]));
        Assert.Throws<ArgumentException>(() => new FitInput([0.5, 0.5], [0.0], [1.0]));
        // A fixed parameter may sit outside its bounds (a ranking fit pins a parameter at θ̂ + σ̂).
        _ = new FitInput([5.0], [0.0], [1.0], [true]);
        Assert.Throws<ArgumentException>(() => new Minimizer().Minimize(FittingTestObjectives.Rosenbrock(3), FitInput.Unbounded([1.0, 1.0])));
    }

    [Fact]
    public void IterationsAllocateNothing()
    {
        // The same fit twice with one minimizer: the second allocates only its result, whatever the iteration count.
        var objective = FittingTestObjectives.Rosenbrock(30);
        var minimizer = new Minimizer(new FitOptions { ComputeUncertainties = false });
        FitInput input = FitInput.Unbounded(Enumerable.Repeat(-1.2, 30).ToArray());
        minimizer.Minimize(objective, input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FitResult result = minimizer.Minimize(objective, input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(result.Converged, result.Message);
        Assert.True(result.Iterations > 30, $"{result.Iterations} iterations");
        Assert.True(allocated < 2_000, $"{allocated} bytes for {result.Iterations} iterations");
    }

    [Fact]
    public void NumericalGradientObjectiveFitsAndIsThreadCountIndependent()
    {
        var single = new FiniteDifferenceObjective(6, FittingTestObjectives.RosenbrockValue);
        var parallel = new FiniteDifferenceObjective(6, FittingTestObjectives.RosenbrockValue, maxDegreeOfParallelism: 3);
        FitInput input = FitInput.Unbounded(Enumerable.Repeat(0.5, 6).ToArray());
        FitResult a = new Minimizer(new FitOptions { EdmTolerance = 1e-8 }).Minimize(single, input);
        FitResult b = new Minimizer(new FitOptions { EdmTolerance = 1e-8 }).Minimize(parallel, input);
        Assert.True(a.Converged, a.Message);
        Assert.Equal(a.Parameters, b.Parameters);
        foreach (double x in a.Parameters)
        {
            Assert.Equal(1.0, x, 1e-4);
        }
    }

    [Fact]
    public void FiniteDifferenceGradientAndHessianDiagonalMatchTheAnalyticOnes()
    {
        double[] x = [0.3, -0.7, 1.9];
        ObjectiveFunction f = p => Math.Exp(p[0]) * Math.Sin(p[1]) + (p[2] * p[2] * p[2]);
        double[] gradient = new double[3];
        double[] gradientParallel = new double[3];
        double[] diagonal = new double[3];
        FiniteDifferences.Gradient(f, x, gradient);
        FiniteDifferences.Gradient(f, x, gradientParallel, maxDegreeOfParallelism: 2);
        FiniteDifferences.HessianDiagonal(f, x, diagonal, maxDegreeOfParallelism: 2);
        Assert.Equal(gradient, gradientParallel);
        Assert.Equal(Math.Exp(x[0]) * Math.Sin(x[1]), gradient[0], 1e-9);
        Assert.Equal(Math.Exp(x[0]) * Math.Cos(x[1]), gradient[1], 1e-9);
        Assert.Equal(3 * x[2] * x[2], gradient[2], 1e-8);
        Assert.Equal(Math.Exp(x[0]) * Math.Sin(x[1]), diagonal[0], 1e-6);
        Assert.Equal(-Math.Exp(x[0]) * Math.Sin(x[1]), diagonal[1], 1e-6);
        Assert.Equal(6 * x[2], diagonal[2], 1e-6);
    }

    internal static double[,] Invert(double[,] a)
    {
        int n = a.GetLength(0);
        double[,] m = (double[,])a.Clone();
        double[,] inv = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            inv[i, i] = 1;
        }

        // Gauss–Jordan with partial pivoting: an independent check on the minimizer's Cholesky.
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[p, c]))
                {
                    p = r;
                }
            }

            for (int k = 0; k < n; k++)
            {
                (m[c, k], m[p, k]) = (m[p, k], m[c, k]);
                (inv[c, k], inv[p, k]) = (inv[p, k], inv[c, k]);
            }

            double d = m[c, c];
            for (int k = 0; k < n; k++)
            {
                m[c, k] /= d;
                inv[c, k] /= d;
            }

            for (int r = 0; r < n; r++)
            {
                if (r != c)
                {
                    double factor = m[r, c];
                    for (int k = 0; k < n; k++)
                    {
                        m[r, k] -= factor * m[c, k];
                        inv[r, k] -= factor * inv[c, k];
                    }
                }
            }
        }

        return inv;
    }
}
