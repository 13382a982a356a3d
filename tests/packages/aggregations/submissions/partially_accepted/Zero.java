// @EXPECTED_SCORE@: 20
// Always 0: right on one test of g4, whose best test decides: 20.
public class Zero {
    public static void main(String[] args) {
        System.out.println(0);
    }
}
