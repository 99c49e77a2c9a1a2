using System.Globalization;
using System.Text;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// The evaluator sweeps a modifier's row either with one kernel call over a dense span or cell by cell over the
/// entries it touches, depending on the row's shape. This model has rows of both kinds for histosys and normsys
/// (wide ones over ten samples × 40 bins, narrow ones on a single bin or block, and a two-cell row spanning the
/// whole model), and checks the expected data against pyhf's formulas written out per bin, and the gradient
/// against finite differences, with every normsys parameter in each of code4's three pieces.
/// </summary>
public sealed class ModelRowLayoutTests
{
    private const int Samples = 10;
    private const int Bins = 40;

    public static TheoryData<double, double, double> Points() => new()
    {
        { 0.4, -0.3, 0.6 },
        { 1.7, 1.2, -1.4 },
        { -1.3, -2.1, 2.2 },
        { 0.0, 1.0, -1.0 },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public void DenseAndSparseRowsGiveThePyhfYieldsAndGradient(double normsys, double otherNormsys, double histosys)
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(Json()));
        double[] pars = [.. model.Inits];
        pars[model.IndexOf("ns_wide")] = normsys;
        pars[model.IndexOf("ns_one")] = otherNormsys;
        pars[model.IndexOf("hs_wide")] = histosys;
        pars[model.IndexOf("hs_one")] = -histosys / 2;
        pars[model.IndexOf("hs_split")] = histosys / 3;
        pars[model.IndexOf("mu")] = 1.3;

        var expected = new double[Bins];
        model.ExpectedMainData(pars, expected);
        for (int bin = 0; bin < Bins; bin++)
        {
            double lambda = 0.0;
            for (int s = 0; s < Samples; s++)
            {
                double nominal = Nominal(s, bin);
                double shifted = nominal + Code4pShift(histosys, Up(s, bin), nominal, Down(s, bin));
                if (s == 3 && bin == 7)
                {
                    shifted += Code4pShift(-histosys / 2, nominal * 1.2, nominal, nominal * 0.9);
                }

                if ((s == 0 && bin == 0) || (s == Samples - 1 && bin == Bins - 1))
                {
                    shifted += Code4pShift(histosys / 3, nominal * 1.05, nominal, nominal * 0.97);
                }

                double factor = Code4(Hi(s), Lo(s), normsys) * (s == 5 ? Code4(1.3, 0.6, otherNormsys) : 1.0);
                lambda += shifted * factor * (s == 0 ? 1.3 : 1.0);
            }

            ParityTests.AssertClose(lambda, expected[bin], 1e-12, 1e-12, $"bin {bin} at ({normsys}, {otherNormsys}, {histosys})");
        }

        // Away from code4's joins at |α| = 1 the analytic gradient matches finite differences.
        if (Math.Abs(Math.Abs(normsys) - 1) > 0.01 && Math.Abs(Math.Abs(otherNormsys) - 1) > 0.01)
        {
            ModelBehaviourTests.AssertGradient(model, pars);
        }
    }

    private static double Nominal(int sample, int bin) => 20.0 + (5.0 * Math.Sin((3 * sample) + bin)) + sample;

    private static double Up(int sample, int bin) => Nominal(sample, bin) * (1.0 + (0.03 * Math.Cos(sample + (2.0 * bin))));

    private static double Down(int sample, int bin) => Nominal(sample, bin) * (1.0 - (0.02 * Math.Sin((2.0 * sample) + bin)));

    private static double Hi(int sample) => 1.05 + (0.01 * sample);

    private static double Lo(int sample) => 0.93 - (0.005 * sample);

    private static double Code4(double hi, double lo, double alpha) =>
        alpha >= 1 ? Math.Pow(hi, alpha) : alpha <= -1 ? Math.Pow(lo, -alpha) : ModelBehaviourTests.Code4Polynomial(hi, lo, alpha);

    // pyhf code4p: α·up / α·down beyond ±1; inside, α·S + α²(15 − 10α² + 3α⁴)·A with S = (up + down)/2, A = (up − down)/16.
    private static double Code4pShift(double alpha, double hi, double nominal, double lo)
    {
        double up = hi - nominal;
        double down = nominal - lo;
        if (alpha > 1)
        {
            return alpha * up;
        }

        if (alpha < -1)
        {
            return alpha * down;
        }

        double square = alpha * alpha;
        return (alpha * 0.5 * (up + down)) + (square * (15 - (10 * square) + (3 * square * square)) * (up - down) / 16);
    }

    private static string Json()
    {
        var json = new StringBuilder();
        json.Append("""{"channels": [{"name": "SR", "samples": [""");
        for (int s = 0; s < Samples; s++)
        {
            json.Append(s == 0 ? "" : ",");
            json.Append("{\"name\": \"s" + s + "\", \"data\": " + Row(b => Nominal(s, b)) + ", \"modifiers\": [");
            json.Append(HistoSys("hs_wide", b => Up(s, b), b => Down(s, b)) + ",");
            json.Append("{\"name\": \"ns_wide\", \"type\": \"normsys\", \"data\": {\"hi\": " + Number(Hi(s)) + ", \"lo\": " + Number(Lo(s)) + "}}");
            if (s == 3)
            {
                json.Append("," + HistoSys("hs_one", b => b == 7 ? Nominal(s, b) * 1.2 : Nominal(s, b), b => b == 7 ? Nominal(s, b) * 0.9 : Nominal(s, b)));
            }

            if (s == 5)
            {
                json.Append(""",{"name": "ns_one", "type": "normsys", "data": {"hi": 1.3, "lo": 0.6}}""");
            }

            if (s == 0 || s == Samples - 1)
            {
                int bin = s == 0 ? 0 : Bins - 1;
                json.Append("," + HistoSys("hs_split", b => b == bin ? Nominal(s, b) * 1.05 : Nominal(s, b), b => b == bin ? Nominal(s, b) * 0.97 : Nominal(s, b)));
            }

            if (s == 0)
            {
                json.Append(""",{"name": "mu", "type": "normfactor", "data": null}""");
            }

            json.Append("]}");
        }

        json.Append("]}], \"observations\": [{\"name\": \"SR\", \"data\": " + Row(b => (Samples * 22.0) + b) + "}],");
        json.Append("""  "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}""");
        return json.ToString();
    }

    private static string HistoSys(string name, Func<int, double> hi, Func<int, double> lo) =>
        "{\"name\": \"" + name + "\", \"type\": \"histosys\", \"data\": {\"hi_data\": " + Row(hi) + ", \"lo_data\": " + Row(lo) + "}}";

    private static string Row(Func<int, double> value) => "[" + string.Join(", ", Enumerable.Range(0, Bins).Select(b => Number(value(b)))) + "]";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
